"""PynamoDB models and the repository functions that use them: the only code that talks to DynamoDB.

Request paths use GetItem and Query only; lists are Queries on an index whose partition key narrows
to an account, a project, a run or a job. Every state change is a conditional write.
"""
