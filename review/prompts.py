"""The prompts a revision is made from: the clip's own prompt with the reviewers' comments
added as what to change, or, where the model edits the clip itself, the comments alone."""


def revision_prompt(prompt: str, comments) -> str:
    """The clip's prompt with the comments added as what to change, each with its moment."""
    changes = "\n".join(f"- {comment.quoted}" for comment in comments)
    if not changes:
        return prompt
    return f"{prompt.rstrip()}\n\nChanges from the previous version:\n{changes}"


def edit_instruction(comments) -> str:
    return "\n".join(comment.quoted for comment in comments)
