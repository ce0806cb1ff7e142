"""Bedrock custom models' keys as Bedrock keeps them: moto 5.2 gives every custom model a made-up KMS key ARN, so a
model trained without ``customModelKmsKeyId`` would look encrypted with a customer managed key.

CreateModelCustomizationJob is wrapped: the model it makes keeps the key the request named, or none (Bedrock then
encrypts it with an AWS owned key and GetCustomModel leaves modelKmsKeyArn out). Everything else is moto's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.bedrock.responses import BedrockResponse


def _create_job(create: Callable[[Any], str]) -> Callable[[Any], str]:
    def answer(self: Any) -> str:
        created = create(self)
        params = json.loads(self.body)
        model = self.bedrock_backend.custom_models[params["customModelName"]]
        model.model_kms_key_arn = params.get("customModelKmsKeyId")
        return created

    return answer


def install() -> None:
    BedrockResponse.create_model_customization_job = _create_job(  # type: ignore[method-assign]
        BedrockResponse.create_model_customization_job
    )
