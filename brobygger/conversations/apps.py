from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "brobygger.conversations"
    label = "conversations"
    verbose_name = "Conversations and the discharge guide"
