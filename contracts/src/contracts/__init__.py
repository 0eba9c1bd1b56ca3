"""Event and command schemas shared by every service."""
