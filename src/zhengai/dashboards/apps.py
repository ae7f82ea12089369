from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "zhengai.dashboards"
    label = "dashboards"
    verbose_name = "驾驶舱"

    def ready(self) -> None:
        # The menu's 我的画像 link: core draws the menu but cannot look up a person's teacher or student record.
        from zhengai.core.context_processors import PERSONAL_LINKS

        from .selectors import portrait_links

        if portrait_links not in PERSONAL_LINKS:
            PERSONAL_LINKS.append(portrait_links)
