"""Widgets: the admin-managed resource."""
