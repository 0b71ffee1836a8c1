"""Parses Prometheus text exposition with prometheus_client's own parser and
prints one sample per line: NAME{label="value",...} VALUE (labels sorted).

    prometheus_samples.py FILE

Exits 1 with the parser's error when the text does not parse. Used by
http_endpoint_integration_test to check walcast's /metrics independently of
the library that wrote it.
"""
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                print(f"{sample.name}{{{labels}}} {sample.value:g}")
    except Exception as e:  # the parser raises ValueError and others
        print(f"prometheus_samples: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
