"""Every flow the engine knows, by name."""

from dialogs.flow import Flow
from dialogs.flows.home import HOME
from dialogs.flows.logbook import LOG_CHOICE, LOG_EDIT
from dialogs.flows.onboarding import ONBOARDING
from dialogs.flows.reminders import REMINDERS
from dialogs.flows.settings import SETTINGS
from dialogs.flows.workout import WORKOUT

FLOWS: dict[str, Flow] = {
    flow.name: flow for flow in (HOME, ONBOARDING, SETTINGS, WORKOUT, REMINDERS, LOG_CHOICE, LOG_EDIT)
}
