"""Forms for oversight and case audits. They collect answers; the actions decide what is allowed."""

from __future__ import annotations

from django import forms

from divert.core.forms import ActionChoiceField, DateField, GovForm
from divert.oversight.models import Grade

ACTION_ROWS = 3


class OversightForm(GovForm):
    """A manager's oversight: when, what was decided, why, and (optionally) which support."""

    decided_on = DateField(label="Date of the decision", label_lower="date of the decision")
    decision = forms.CharField(label="What was decided", widget=forms.Textarea,
                               error_messages={"required": "Write what was decided"})
    reasons = forms.CharField(label="Why", widget=forms.Textarea,
                              help_text="The reasons, and what was considered",
                              error_messages={"required": "Write why it was decided"})

    def __init__(self, *args, episodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Not about one period of support")] + [
            (str(e.pk), f"{e.programme.name}, from {e.start_date:%-d %B %Y}") for e in episodes]
        if len(choices) > 1:
            self.fields["episode"] = forms.ChoiceField(label="Which support it is about (optional)",
                                                       choices=choices, required=False)


class ConfirmForm(GovForm):
    """A page whose only question is the button."""


class ChooseCasesForm(GovForm):
    """How many children to choose at random for each worker."""

    per_worker = forms.IntegerField(
        label="How many children to choose at random for each worker", min_value=0, max_value=10,
        help_text="For example, 2. Children who offended during support are always chosen.",
        error_messages={"required": "Enter how many children to choose for each worker",
                        "min_value": "Enter a number from 0 to 10", "max_value": "Enter a number from 0 to 10",
                        "invalid": "Enter a number from 0 to 10"})


class TemplateForm(GovForm):
    """The organisation's case audit: its name and the domains graded, one a line."""

    name = forms.CharField(label="Name of the audit", max_length=120,
                           error_messages={"required": "Give the audit a name"})
    domains = forms.CharField(label="Domains to grade", widget=forms.Textarea,
                              help_text="One a line, for example: Assessment quality",
                              error_messages={"required": "List at least one domain to grade"})


class AuditForm(GovForm):
    """A case audit: a grade for every domain (none chosen in advance), strengths, themes and up
    to three actions for the worker."""

    def __init__(self, *args, domains=(), workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = list(domains)
        for d in self.domains:
            self.fields[f"grade_{d.pk}"] = ActionChoiceField(
                label=d.name, choices=Grade.choices, widget=forms.RadioSelect,
                error_messages={"required": f"Select a grade for {d.name.lower()}"})
        self.fields["strengths"] = forms.CharField(label="Strengths (optional)", widget=forms.Textarea,
                                                   required=False)
        self.fields["themes"] = forms.CharField(
            label="Themes (optional)", widget=forms.Textarea, required=False,
            help_text="One a line, a few words each, for example: Child's voice missing. They are counted "
                      "for the management board, so do not write names.")
        worker_choices = [("", "Choose a worker")] + [(str(w.pk), w.display_name) for w in workers]
        for n in range(1, ACTION_ROWS + 1):
            self.fields[f"action_{n}_text"] = forms.CharField(label="What to do", widget=forms.Textarea,
                                                              required=False)
            self.fields[f"action_{n}_worker"] = ActionChoiceField(label="Who", choices=worker_choices,
                                                                  required=False)
            self.fields[f"action_{n}_due_on"] = DateField(label="Due by", label_lower="date the action is due",
                                                          required=False)

    def grade_fields(self) -> list:
        """The grade questions, in the template's order."""
        return [self[f"grade_{d.pk}"] for d in self.domains]

    def action_rows(self) -> list[tuple[int, list]]:
        """Each action's fields, numbered."""
        return [(n, [self[f"action_{n}_{part}"] for part in ("text", "worker", "due_on")])
                for n in range(1, ACTION_ROWS + 1)]
