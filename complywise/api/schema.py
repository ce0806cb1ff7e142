from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "complywise.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token: `Authorization: Bearer cw_…`."}


def strip_trailing_slashes(result, generator, request, public):
    """Document paths as the seed contract writes them (``/api/scans/trigger``); both forms are served."""
    result["paths"] = {
        (path.rstrip("/") if path.startswith("/api/") and path != "/api/" else path): item
        for path, item in result["paths"].items()
    }
    return result
