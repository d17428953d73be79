"""Placeholder until the journeys of this module are written."""
