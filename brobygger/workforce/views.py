"""Views of the workforce app."""
