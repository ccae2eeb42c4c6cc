"""What the user still has to do after config.yaml is written, from the catalog's data."""

from __future__ import annotations

import shlex
from collections.abc import Collection

from wizard.config.plan import SetupPlan
from wizard.model.redact import sh_path


def next_steps(
    plan: SetupPlan,
    *,
    username: str | None = None,
    stored: Collection[str] = (),
    cloud_done: bool = False,
    check_ok: bool = False,
) -> list[str]:
    """What the user still has to do in Baseten and the cloud, in order (the deploy itself,
    `truss push`, is the front ends' last word when nothing is open). `username`: the
    one typed for the live check (else a `<user>` marker); `stored`: secrets stored in
    Baseten already; `cloud_done`: the cloud side was created; `check_ok`: the live check
    pulled the image with the credential."""
    reg, method = plan.registry, plan.method
    image = plan.image
    guide = f"registry-wizard guide --image {image} --method {method.id}"
    user = shlex.quote(username) if username else "<user>"
    user_flag = "" if reg.fixed_username else f" --username {user}"
    steps: list[str] = []
    if method.anonymous:
        steps.append(f"Nothing to store: {reg.label} serves {image} to anyone.")
    elif method.is_token:
        name = plan.target.secrets[0]
        if name not in stored:
            steps.append(
                f"Store the Baseten secret {name} ({method.secret_value}): pipe the token into "
                f"`registry-wizard secret set --image {image}{user_flag}`, or follow `{guide}`"
            )
            steps.append(f"The token: {reg.token_kind}; the username: {reg.token_username}.")
        if method.token_lifetime:
            steps.append(
                f"It expires after {method.token_lifetime}: prefer --method "
                f"{reg.recommended.id} for anything that must keep deploying."
            )
        if not check_ok:
            steps.append(
                f"Prove it pulls: pipe the token into `registry-wizard check --image {image}"
                f"{user_flag} --password-stdin`"
            )
    elif not method.keyless:
        missing = [s for s in plan.target.secrets if s not in stored]
        if missing:
            holds = {plan.secret_value(s) for s in missing}
            what = (
                f"{' and '.join(missing)}: {holds.pop()}"
                if len(holds) == 1
                else " and ".join(f"{s} ({plan.secret_value(s)})" for s in missing)
            )
            steps.append(f"Create the Baseten secret(s) {what} (`{guide}` shows how).")
    else:
        if not cloud_done:
            steps.append(
                f"Set up the cloud side: `{guide}` prints the exact policies and commands"
                + (", or run setup again with --provision" if method.provisionable else "")
            )
        config = sh_path(str(plan.doc.path))  # the file written, wherever the user is
        check = f"registry-wizard check --config {config}"
        steps.append(f"Verify it as Baseten will meet it: `{check}`")
    return steps  # `truss push` comes after, from the Outcome, once nothing is open
