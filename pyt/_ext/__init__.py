"""pyt's Cython core. Its .pxd files are public (see pyt.get_include())."""
