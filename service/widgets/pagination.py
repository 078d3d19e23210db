"""Widget list paging: which slice to fetch and which neighbouring pages to link to."""

import math
from dataclasses import dataclass

_LINK_ORDER = ("self", "first", "prev", "next", "last")


def offset_of(page: int, per_page: int) -> int:
    """How many items come before page `page` of `per_page` items."""
    return (page - 1) * per_page


@dataclass(frozen=True)
class Page:
    """One page of a listing; there is always at least one page, so first and last resolve."""

    page: int
    per_page: int
    total_items: int

    def __post_init__(self):
        """Refuse positions that no request can mean, so every link built later is valid."""
        if self.page < 1 or self.per_page < 1 or self.total_items < 0:
            raise ValueError(
                f"page {self.page}, per_page {self.per_page} and total_items "
                f"{self.total_items} must be at least 1, 1 and 0"
            )

    @property
    def total_pages(self) -> int:
        """Count pages, never fewer than one, so an empty listing still has a first page."""
        return max(1, math.ceil(self.total_items / self.per_page))

    @property
    def has_prev(self) -> bool:
        """Tell whether a page comes before this one, even when this one is past the end."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Tell whether a later page exists, so a next link can be offered."""
        return self.page < self.total_pages

    def links(self, path: str) -> dict[str, str]:
        """Give relative links to this page and its neighbours, leaving out absent ones."""
        targets = {
            "self": self.page,
            "first": 1,
            "prev": self.page - 1 if self.has_prev else None,
            "next": self.page + 1 if self.has_next else None,
            "last": self.total_pages,
        }
        return {
            rel: self._href(path, number)
            for rel, number in targets.items()
            if number is not None
        }

    def headers(self, base_url: str, path: str) -> dict[str, str]:
        """The page's `Link` (absolute, against `base_url`) and `Total-Count` headers."""
        return {"Link": self.link_header(base_url, path), "Total-Count": str(self.total_items)}

    def envelope(self, path: str, items: list) -> dict:
        """The body of a listing: this page's `items`, its position and links to the others."""
        return {
            "links": self.links(path),
            "has_prev": self.has_prev,
            "has_next": self.has_next,
            "page": self.page,
            "total_pages": self.total_pages,
            "items_per_page": self.per_page,
            "total_items": self.total_items,
            "items": items,
        }

    def link_header(self, base_url: str, path: str) -> str:
        """Render `links()` as an RFC 8288 Link header value against `base_url`."""
        links = self.links(path)
        return ", ".join(
            f'<{base_url}{links[rel]}>; rel="{rel}"' for rel in _LINK_ORDER if rel in links
        )

    def _href(self, path: str, number: int) -> str:
        """Build the query for page `number` keeping this page's size."""
        return f"{path}?page={number}&per_page={self.per_page}"
