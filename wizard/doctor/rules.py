"""The rule catalog: every rule `doctor` can report, with its severity and help."""

from __future__ import annotations

# id -> (default severity, short description, help). Every rule doctor can report.
RULES: dict[str, tuple[str, str, str]] = {
    "yaml-invalid": ("error", "config.yaml is not valid YAML",
        "truss cannot load the file. Fix the YAML at the line shown."),
    "unreadable": ("error", "config.yaml cannot be read",
        "The file is unreadable, not UTF-8, or a broken symlink, so nothing in it was checked."),
    "dir-unreadable": ("warning", "a directory could not be searched",
        "Configs inside it were not checked. Make it readable or leave it out."),
    "not-a-truss-config": ("warning", "the file named is not a Truss config",
        "It has none of truss's top-level keys (model_name, base_image, secrets, ...)."),
    "duplicate-key": ("warning", "a key appears twice",
        "truss warns and keeps the last one; the other is silently ignored. --fix does not "
        "edit such a file."),
    "secrets-null": ("error", "`secrets:` has no value",
        "truss requires a mapping. --fix writes `secrets: {}`."),
    "secrets-not-mapping": ("error", "`secrets` is not a mapping",
        "Write one `NAME: null` line per secret."),
    "secret-value-in-file": ("error", "a secret value is in config.yaml",
        "Values belong in Baseten (Settings → Secrets); config.yaml holds null. Store the "
        "value in Baseten, set it to null, and rotate it: it was readable by anyone with "
        "the file. Not fixed automatically: the file may hold the only copy."),
    "secret-placeholder-value": ("warning", "a secret is set to a placeholder string",
        "A placeholder such as \"your-token\" or \"null\" (quoted) leaks nothing, but it is a "
        "value, not null: write `NAME: null` and store the real value in Baseten."),
    "base-image-not-mapping": ("error", "`base_image` is not a mapping",
        "Write `base_image:` with `image: <reference>` below it."),
    "unknown-key": ("error", "a key truss does not know",
        "`truss push` rejects keys that base_image and docker_auth do not declare."),
    "python-path-relative": ("error", "python_executable_path is relative",
        "truss requires an absolute path, e.g. /usr/bin/python3."),
    "image-missing": ("error", "docker_auth without an image",
        "Set base_image.image to the image reference."),
    "image-invalid": ("error", "the image reference is invalid",
        "docker would not pull it as written."),
    "docker-auth-not-mapping": ("error", "docker_auth is not a mapping",
        "Write docker_auth as a block of `key: value` lines."),
    "auth-method-missing": ("error", "docker_auth has no auth_method",
        "Use AWS_OIDC, AWS_ASSUME_ROLE, AWS_IAM, GCP_OIDC or GCP_SERVICE_ACCOUNT_JSON."),
    "auth-method-invalid": ("error", "auth_method is not one truss knows",
        "Use AWS_OIDC, AWS_ASSUME_ROLE, AWS_IAM, GCP_OIDC or GCP_SERVICE_ACCOUNT_JSON."),
    "auth-method-training-only": ("error", "REGISTRY_SECRET is for training jobs",
        "A model deployment ignores it; declare the DOCKER_REGISTRY_<host> secret instead."),
    "required-field": ("error", "a field the auth method requires is missing",
        "truss refuses the config without it."),
    "forbidden-field": ("error", "a field the auth method forbids is set",
        "truss refuses the config. --fix removes the field."),
    "registry-missing": ("warning", "docker_auth has no registry",
        "Baseten matches credentials to the image by it. --fix sets it to the image's host."),
    "registry-mismatch": ("error", "docker_auth.registry is not the image's registry",
        "Baseten would not use these credentials for the image. --fix sets it to the "
        "image's host."),
    "method-registry-mismatch": ("error", "the auth method does not fit the registry",
        "AWS methods authenticate to ECR, GCP methods to Artifact Registry."),
    "ecr-region-mismatch": ("error", "the region is not the ECR repository's",
        "The region must be the one in the image host. --fix sets it."),
    "secret-undeclared": ("error", "a secret the auth method reads is not declared",
        "Baseten mounts only the secrets under `secrets:`. --fix declares it as null."),
    "registry-secret-name": ("error", "the DOCKER_REGISTRY_ secret has the wrong name",
        "Baseten looks the secret up by DOCKER_REGISTRY_<registry host> (Docker Hub: "
        "DOCKER_REGISTRY_https://index.docker.io/v1/). --fix renames a misspelling of the "
        "same registry (docker.io, https://ghcr.io); a secret for another ECR account or "
        "region names a different registry and is left to you."),
    "truss-too-old": ("error", "the auth method needs a newer truss",
        "AWS_OIDC and GCP_OIDC need truss 0.13.2+, AWS_ASSUME_ROLE 0.18.27+; an older "
        "`truss push` rejects the config."),
    "auth-missing": ("warning", "a private registry with no auth configured",
        "An error for ECR (private ECR never allows anonymous pulls), a warning for other "
        "private-looking registries. With --live, an anonymous pull that works clears it."),
    "latest-tag": ("warning", "the image uses the latest tag",
        "Baseten may build from a cached copy; pin a digest (--live prints it)."),
    "oidc-available": ("info", "OIDC is available for this registry",
        "A keyless method (AWS_OIDC, GCP_OIDC) needs no long-lived credential."),
    "pull-failed": ("error", "live: the image cannot be pulled",
        "The registry refused the credential, the repository or tag does not exist, or no "
        "auth is configured for a private image."),
    "pull-unchecked": ("warning", "live: the pull could not be checked",
        "The registry was unreachable, slow, rate-limited or answered unexpectedly."),
    "cloud-setup": ("error", "live: the cloud setup would refuse Baseten",
        "The IAM role, trust policy or workload identity setup does not let Baseten pull."),
    "cloud-unchecked": ("warning", "live: the cloud setup could not be checked",
        "Your cloud credentials could not read part of the setup."),
    "baseten-secret-missing": ("error", "live: a declared secret does not exist in Baseten",
        "An error for secrets the image pull needs, a warning for the others."),
}  # fmt: skip
