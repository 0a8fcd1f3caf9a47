"""Views of the onboarding app."""
