#!/bin/sh
terraform import stratus_flavor.example <flavor_id>
