"""A bundled, seedable synthetic classifieds board and job board for the demo and tests.

Every ad is fictional; every phone number is in the 555-01xx range reserved for fiction.
"""
