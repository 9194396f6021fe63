"""Evidence registry: trials as versioned data files with a citation for every number.

The public names are in three modules, imported where needed (the registry reads YAML):
:mod:`tacepath.evidence.model` (the data model: trials, numbers with their sources,
conflicts), :mod:`tacepath.evidence.registry` (loading the trial files, ``registry()``) and
:mod:`tacepath.evidence.views` (the registry as plain data for display).
"""

#: The public modules (their names are imported from them, not from the package).
__all__ = ["model", "registry", "views"]
