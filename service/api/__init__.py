"""HTTP API of bureaux: OGC API – Features, downloads, counts and the map page."""
