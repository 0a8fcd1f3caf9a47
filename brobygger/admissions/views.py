"""Views of the admissions app."""
