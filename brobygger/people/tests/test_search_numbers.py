"""Issue 19: search tells a CPR number from a Danish phone number and searches both."""

from brobygger.people.models import Person
from brobygger.testing import BaseTestCase, make_person


class NumberSearchTests(BaseTestCase):
    def setUp(self):
        self.spaced = make_person("Sofie", unit=self.unit)
        Person.objects.filter(pk=self.spaced.pk).update(phone="+45 30 40 50 60", cpr="1507882345")
        self.plain = make_person("Jonas", unit=self.unit)
        Person.objects.filter(pk=self.plain.pk).update(phone="22334455", cpr="3012857777")

    def found(self, text: str) -> set[str]:
        return set(Person.objects.search(text).values_list("given_name", flat=True))

    def test_a_phone_number_however_it_is_typed(self):
        for text in ("30405060", "30 40 50 60", "+45 30 40 50 60", "+4530405060", "004530405060"):
            self.assertEqual(self.found(text), {"Sofie"}, text)
        self.assertEqual(self.found("22 33 44 55"), {"Jonas"})

    def test_a_cpr_number_with_or_without_the_dash(self):
        self.assertEqual(self.found("150788-2345"), {"Sofie"})
        self.assertEqual(self.found("1507882345"), {"Sofie"})
        # Ten digits are a CPR number, not the phone digits with the country code.
        self.assertEqual(self.found("4530405060"), set())

    def test_six_digits_search_the_birth_date_and_the_phone(self):
        self.assertEqual(self.found("301285"), {"Jonas"})  # CPR's birth date
        self.assertEqual(self.found("223344"), {"Jonas"})  # part of the phone

    def test_a_name_and_a_phone_together(self):
        self.assertEqual(self.found("Sofie 30 40"), {"Sofie"})
        self.assertEqual(self.found("Jonas 3040"), set())
