"""User administration, for administrators: list, show, promote or demote, delete."""
