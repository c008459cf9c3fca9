"""The JSON API under /api/v1: thin routes over the domain services (see humas.web.app.API_MODULES)."""
