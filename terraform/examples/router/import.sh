#!/bin/sh
terraform import stratus_router.example <router_id>
