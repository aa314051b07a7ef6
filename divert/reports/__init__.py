"""The quarterly board pack (sections, narratives, publication) and the data-quality page."""
