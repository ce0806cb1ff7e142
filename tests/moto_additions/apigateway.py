"""API Gateway client certificates, which moto 5.2 does not serve, and a stage's ``clientCertificateId``.

Added to moto's own API Gateway responder (``/clientcertificates`` routed to it): GenerateClientCertificate (a real
self-signed certificate, valid 365 days as AWS issues them), GetClientCertificates, GetClientCertificate and
DeleteClientCertificate, kept per account and region on moto's backend. UpdateStage takes the ``/clientCertificateId``
patch (replace with a certificate of the region, or remove), which moto ignores, and hands the other operations to
moto; GetStage and GetStages answer the stage's certificate. An unknown certificate answers NotFoundException.
"""

from __future__ import annotations

import datetime
import json
import random
import string
from typing import Any

import moto.apigateway.urls
from cryptography.hazmat.primitives.asymmetric import ec
from moto.apigateway.exceptions import NotFoundException
from moto.apigateway.models import Stage
from moto.apigateway.responses import APIGatewayResponse
from moto.core.utils import unix_time

from tests.certificates import self_signed

from ._responder import add_methods, state_on

_PATHS = {
    "{0}/clientcertificates$": APIGatewayResponse.dispatch,
    "{0}/clientcertificates/(?P<clientcertificate_id>[^/]+)/?$": APIGatewayResponse.dispatch,
}
_PATCH_PATH = "/clientCertificateId"
_VALID_DAYS = 365
_moto_update_stage = APIGatewayResponse.update_stage
_moto_stage_json = Stage.to_json


def _certificates(response: Any) -> dict[str, dict[str, Any]]:
    return state_on(response.backend, "client_certificates", dict)


def _certificate(response: Any, certificate_id: str) -> dict[str, Any]:
    found = _certificates(response).get(certificate_id)
    if found is None:
        raise NotFoundException("Invalid Client Certificate identifier specified")
    return found


def _path_id(response: Any) -> str:
    return str(response.path.rstrip("/").rsplit("/", 1)[-1])


class ApiGatewayResponses:
    """Methods set on moto's ``APIGatewayResponse``."""

    def generate_client_certificate(self: Any) -> tuple[int, dict[str, int], str]:
        certificate_id = "".join(random.choices(string.ascii_lowercase + string.digits, k=6))
        created = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        # An EC key: the certificate is only shown, and an RSA key takes a moment to make.
        pem, _ = self_signed(certificate_id, _VALID_DAYS, ec.generate_private_key(ec.SECP256R1()))
        certificate = {
            "clientCertificateId": certificate_id,
            "description": self._get_param("description") or "",
            "pemEncodedCertificate": pem.decode(),
            "createdDate": unix_time(created.replace(tzinfo=None)),
            "expirationDate": unix_time((created + datetime.timedelta(days=_VALID_DAYS)).replace(tzinfo=None)),
            "tags": self._get_param("tags") or {},
        }
        _certificates(self)[certificate_id] = certificate
        return 201, {"status": 201}, json.dumps(certificate)

    def get_client_certificates(self: Any) -> str:
        return json.dumps({"item": list(_certificates(self).values())})

    def get_client_certificate(self: Any) -> str:
        return json.dumps(_certificate(self, _path_id(self)))

    def delete_client_certificate(self: Any) -> tuple[int, dict[str, int], str]:
        del _certificates(self)[_certificate(self, _path_id(self))["clientCertificateId"]]
        return 202, {"status": 202}, "{}"

    def update_stage(self: Any) -> str:
        operations = self._get_param("patchOperations") or []
        ours = [op for op in operations if op.get("path") == _PATCH_PATH]
        rest = [op for op in operations if op.get("path") != _PATCH_PATH]
        if ours:
            parts = self.path.split("/")
            stage = self.backend.get_stage(parts[2], parts[4])
            for op in ours:
                removed = op.get("op") == "remove"
                found = None if removed else _certificate(self, str(op.get("value")))["clientCertificateId"]
                stage.complywise_client_certificate_id = found
            if not rest:
                return json.dumps(stage.to_json())
            # moto reads the operations from the request body: hand it only those it knows.
            self.body = json.dumps({"patchOperations": rest})
        return str(_moto_update_stage(self))


def _stage_json(stage: Stage) -> dict[str, Any]:
    found = _moto_stage_json(stage)
    certificate_id = getattr(stage, "complywise_client_certificate_id", None)
    if certificate_id:
        found["clientCertificateId"] = certificate_id
    return found


def install() -> None:
    moto.apigateway.urls.url_paths.update(_PATHS)
    add_methods(ApiGatewayResponses, APIGatewayResponse)
    Stage.to_json = _stage_json  # type: ignore[method-assign]
