"""DIFFA-2 building blocks at configurable size (DIFFA-Tiny uses them small; the DIFFA-2 converter at full size)."""
