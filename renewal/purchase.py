""" "How big a flat can my compensation buy?": the costs of buying a flat (deed tax, maintenance fund, registration)
and the largest area a budget covers, for the printable sheet (``renewal.views.flat_sheet``). Pure, like
``renewal.compensation``; every rate is a plot setting (``RenewalProject.purchase_settings``), which the spec
(../shared/specs/renewal-compensation.md) marks unconfirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .compensation import AREA_STEP, FEN, ZERO, CompensationError, fen


@dataclass(frozen=True)
class PurchaseSettings:
    """Buying costs; every rate here is a plot setting (the spec marks them unconfirmed)."""

    first_home: bool = True
    deed_tax_low: Decimal = Decimal("0.01")  # first home up to the area threshold
    deed_tax_high: Decimal = Decimal("0.015")  # first home above it
    second_deed_tax_low: Decimal = Decimal("0.01")
    second_deed_tax_high: Decimal = Decimal("0.02")
    area_threshold: Decimal = Decimal("140")
    maintenance_fund_rate: Decimal = Decimal("0.02")  # new flats only
    registration_fee: Decimal = Decimal("80")
    exempt_up_to_cash: bool = False  # exemption for the part of the price not exceeding the cash compensation
    cash_compensation: Decimal = ZERO


@dataclass
class PurchaseCost:
    area: Decimal
    price: Decimal
    deed_tax: Decimal
    deed_tax_rate: Decimal
    maintenance_fund: Decimal
    registration_fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.price + self.deed_tax + self.maintenance_fund + self.registration_fee


def purchase_cost(area: Decimal, price_per_m2: Decimal, settings: PurchaseSettings, *, new_flat=True) -> PurchaseCost:
    area = Decimal(area)
    price = fen(area * price_per_m2)
    if settings.first_home:
        rate = settings.deed_tax_low if area <= settings.area_threshold else settings.deed_tax_high
    else:
        rate = settings.second_deed_tax_low if area <= settings.area_threshold else settings.second_deed_tax_high
    taxable = max(price - settings.cash_compensation, ZERO) if settings.exempt_up_to_cash else price
    deed_tax = fen(taxable * rate)
    fund = fen(price * settings.maintenance_fund_rate) if new_flat else ZERO.quantize(FEN)
    return PurchaseCost(area, price, deed_tax, rate, fund, fen(settings.registration_fee))


def largest_area(budget: Decimal, price_per_m2: Decimal, settings: PurchaseSettings, *, new_flat=True):
    """The largest area (to 0.01 ㎡) whose total cost fits the budget, by bisection over hundredths of a ㎡.

    cost(a) is non-decreasing in a (the deed-tax step at the threshold only adds), so the set of affordable
    areas is an interval starting at 0. Returns (area, PurchaseCost) or (0, None) when nothing fits.
    """
    price_per_m2 = Decimal(price_per_m2)
    if price_per_m2 <= 0:
        raise CompensationError("单价应大于0")

    def fits(hundredths: int) -> bool:
        return purchase_cost(Decimal(hundredths) / 100, price_per_m2, settings, new_flat=new_flat).total <= budget

    lo, hi = 0, 1
    if not fits(1):
        return ZERO, None
    while fits(hi):  # find an upper bound that does not fit
        lo, hi = hi, hi * 2
    while hi - lo > 1:  # invariant: fits(lo), not fits(hi)
        mid = (lo + hi) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid
    area = (Decimal(lo) / 100).quantize(AREA_STEP)
    return area, purchase_cost(area, price_per_m2, settings, new_flat=new_flat)
