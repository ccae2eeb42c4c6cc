"""What the user still has to do after config.yaml is written, from the catalog's data."""

from __future__ import annotations

from wizard.config.plan import SetupPlan


def next_steps(plan: SetupPlan) -> list[str]:
    """What the user still has to do in Baseten and the cloud, in order."""
    reg, method = plan.registry, plan.method
    image = plan.image
    guide = f"registry-wizard guide --image {image} --method {method.id}"
    steps: list[str] = []
    if method.anonymous:
        steps.append(f"Nothing to store: {reg.label} serves {image} to anyone.")
    elif method.is_token:
        name = plan.target.secrets[0]
        user_flag = "" if reg.fixed_username else " --username <user>"
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
        steps.append(
            f"Prove it pulls: pipe the token into `registry-wizard check --image {image}"
            + ("" if reg.fixed_username else " --username <user>")
            + " --password-stdin`"
        )
    elif not method.keyless:
        names = " and ".join(plan.target.secrets)
        steps.append(
            f"Create the Baseten secret(s) {names}: {method.secret_value} (`{guide}` shows how)."
        )
    else:
        steps.append(
            f"Set up the cloud side: `{guide}` prints the exact policies and commands"
            + (", or run setup again with --provision" if method.provisionable else "")
        )
        steps.append("Verify it as Baseten will meet it: registry-wizard check")
    steps.append("Then deploy: truss push")
    return steps
