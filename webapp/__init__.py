"""Maskflow's Django project."""
