"""SageMaker models with network isolation, which moto 5.2's CreateModel ignores (every model reports it off).

CreateModel is wrapped so a model created with ``EnableNetworkIsolation`` keeps it, and DescribeModel answers it back
as AWS does. Everything else is moto's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.sagemaker.responses import SageMakerResponse


def _keeping_isolation(create: Callable[[SageMakerResponse], Any]) -> Callable[[SageMakerResponse], Any]:
    def create_model(self: SageMakerResponse) -> Any:
        answer = create(self)
        if self._get_bool_param("EnableNetworkIsolation"):
            self.sagemaker_backend.describe_model(self._get_param("ModelName")).enable_network_isolation = True
        return answer

    return create_model


def install() -> None:
    SageMakerResponse.create_model = _keeping_isolation(SageMakerResponse.create_model)  # type: ignore[method-assign]
