from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Personnes et rôles"

    def ready(self) -> None:
        # After django.contrib.admin's own ready(), which discovered every admin module.
        from accounts.admin_french import french_admin

        french_admin()
