#!/bin/sh
terraform import stratus_user.example <user_id>
