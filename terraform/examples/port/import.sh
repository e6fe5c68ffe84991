#!/bin/sh
terraform import stratus_port.example <port_id>
