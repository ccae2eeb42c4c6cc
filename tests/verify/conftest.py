"""The moto-backed AWS fixtures, for the tests here."""

from tests.aws_standin import aws, moto_server  # noqa: F401
