#!/bin/sh
# <router_id>:<subnet_id>, or the interface port's id
terraform import stratus_router_interface.example <router_id>:<subnet_id>
