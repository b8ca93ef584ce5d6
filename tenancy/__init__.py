"""What every app stands on to keep académies apart: roles, the acting scope, the tenancy guard.

It imports no other app of the project, so that every app, `establishments` first, may use it.
"""
