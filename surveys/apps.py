from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Enquêtes et bilans"

    def ready(self) -> None:
        # The referents' answers on the tasks of their letter, at the service-fait
        # certification (indemnities shows what apps register, without importing them).
        from indemnities.panels import register_certification_panel
        from surveys.selectors_responses import letter_tasks_panels

        register_certification_panel(letter_tasks_panels)
