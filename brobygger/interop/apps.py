from django.apps import AppConfig


class InteropConfig(AppConfig):
    """What leaves Brobygger in a standard form: HL7 FHIR R4 shaped by DK Core.

    It reads from the data apps (people, referrals, scheduling, conversations, outcomes),
    so it sits above them, like rights and desk; nothing imports it but urls.py.
    """

    name = "brobygger.interop"
    label = "interop"
    verbose_name = "Interoperability"
