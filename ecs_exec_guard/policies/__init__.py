"""The CDK policies: the cdk-nag pack (``pack``) and the auto-fix (``autofix``).

They adapt the pure analyzer in ``ecs_exec_guard.analysis`` to the CDK. Nothing is imported
here, so that importing the analyzer or the CLI never starts jsii.
"""
