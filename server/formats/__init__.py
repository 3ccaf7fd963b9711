"""File formats: container segments, XMP, GB 45438 labels, EXIF fields, IPTC source types.

The bottom layer: reads bytes and text, knows nothing of cases, checks or storage."""
