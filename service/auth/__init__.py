"""Authentication: tokens, passwords, accounts, the bearer middleware and handlers."""
