

def test_fiscal_year_dates_cover_october_to_september(store):
    from aidwatch import check_text

    verdicts = check_text("The Merida Initiative was launched in fiscal year 2008.", store)
    dated = [v for v in verdicts if v.claim.kind == "date"]
    assert dated and all(v.verdict != "contradicted" for v in dated)


def test_a_zero_ratio_does_not_crash_the_checker(store):
    from aidwatch import check_text

    text = ("Overdose deaths went from 50,000 in 2015 to 100,000 in 2021, 0 times the level. "
            "Homicides fell from 20,000 to 10,000, -2 times.")
    assert isinstance(check_text(text, store), list)
