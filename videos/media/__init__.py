"""Clips in and out of storage: ``ingest`` copies them in, ``serving`` hands them out."""
