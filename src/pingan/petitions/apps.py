from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "pingan.petitions"
    label = "petitions"
    verbose_name = _("Petitions")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from pingan.core.calculator import register_profiles, register_rules
        from pingan.core.deadlines import register_deadline_kind
        from pingan.petitions.models import KIND, Petition
        from pingan.petitions.profiles import calculator_profiles, calculator_rules, seed_on_migrate
        from pingan.petitions.services import due_mirrors

        # The admin finds both profiles' rule sets from the first start; nothing is
        # overwritten once the district admin has edited them.
        post_migrate.connect(seed_on_migrate, sender=self)
        register_deadline_kind(KIND, model=Petition, mirrors=due_mirrors)
        # The deadline calculator counts every petition term, under either profile.
        register_rules(*calculator_rules())
        register_profiles(calculator_profiles())
