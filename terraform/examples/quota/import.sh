#!/bin/sh
# a quota's id is its project's id
terraform import stratus_quota.example <project_id>
