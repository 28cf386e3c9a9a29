"""Test support: the stack's evaluation under Pulumi's mocks, the Lambda sandbox, fakes, harnesses.

Used by tests/, bench/, cost/ and the doc generators in tools/; never by deployed code.
"""
