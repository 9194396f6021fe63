"""Evidence registry: trials as versioned data files with a citation for every number."""
