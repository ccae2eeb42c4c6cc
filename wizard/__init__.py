"""Registry Wizard: private base images for Truss, set up and verified."""

__version__ = "0.1.0"
