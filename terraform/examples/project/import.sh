#!/bin/sh
terraform import stratus_project.example <project_id>
