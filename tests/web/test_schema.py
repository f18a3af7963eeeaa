"""Schema-driven: requests generated from the OpenAPI schema never get a 500 (schemathesis)."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")


def test_no_request_the_schema_allows_gets_a_server_error(server):
    from hypothesis import HealthCheck, Phase, settings
    from hypothesis import given as hgiven

    schema = schemathesis.openapi.from_url(f"{server}/api/v1/openapi.json")
    failures: list[str] = []
    statuses: list[int] = []
    n = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy()
        # evaluate runs estimators: few examples; the reads are cheap
        examples = 4 if operation.path.endswith("/evaluate") else 25

        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @hgiven(case=strategy)
        def run(case) -> None:
            nonlocal n
            n += 1
            response = case.call(base_url=server, timeout=60)
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} -> "
                                f"{response.status_code} {response.text[:200]}")
            else:
                assert response.status_code < 500
        run()
    assert n > 100
    assert failures == []
    # the generated requests reach the routes' work, not only the validation
    assert sum(s == 200 for s in statuses) > 30
    assert any(400 <= s < 500 for s in statuses)
