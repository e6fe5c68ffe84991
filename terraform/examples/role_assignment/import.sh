#!/bin/sh
# <domain_id>/<project_id>/<group_id>/<user_id>/<role_id>, unused parts empty
terraform import stratus_role_assignment.example /<project_id>//<user_id>/<role_id>
