"""Pixel math shared by the checks and the reports: 8-bit views, hashes, alignment.

The bottom layer beside formats/: works on decoded images, knows nothing of cases."""
